// Plain JavaScript: CommonJS and ES modules, JSX, no types anywhere.
import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

describe('plain JavaScript', () => {
  it('finds handlers in CommonJS, ESM .mjs and .jsx files, across require() and import', () => {
    const r = auditSources({
      'src/consumer.cjs': `const { Kafka } = require('kafkajs');\nconst { handleOrder } = require('./orders.js');\nconst consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\nconsumer.run({ eachMessage: handleOrder });\n`,
      'src/orders.js': `async function handleOrder({ message }) { console.log(message.offset); }\nmodule.exports = { handleOrder };\n`,
      'src/worker.mjs': `import { Worker } from 'bullmq';\nexport const worker = new Worker('mail', async (job) => { await job.updateProgress(1); });\n`,
      'src/page.jsx': `export function Page() { return <button onClick={() => fetch('/x', { method: 'POST' })}>go</button>; }\n`,
    });
    expect(r.handlers.map((h) => [h.key, h.framework])).toEqual([
      ['src/orders.js#handleOrder', 'kafkajs'],
      ['src/worker.mjs#mail', 'bullmq'],
    ]);
    expect(r.notifications).toEqual([]);
  });
});
