// Every framework adapter the pipeline knows. A new framework is one file and one line here.
import type { FrameworkAdapter } from './types.js';
import { kafkajs } from './kafkajs.js';

export const ADAPTERS: readonly FrameworkAdapter[] = [kafkajs];
