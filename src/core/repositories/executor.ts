/** What a repository function runs its queries on: the database or an open transaction. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export type Q = Kysely<Database>;
