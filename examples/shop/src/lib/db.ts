import knex, { type Knex } from 'knex';

/** Injection token for the shared Knex instance in the NestJS services. */
export const KNEX = Symbol('KNEX');

export const db: Knex = knex({
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: Number(process.env.DB_POOL_MAX ?? 10) },
});
