/** Storage: the only place with SQL. The runtime opens a Store and uses its repositories. */
export * from './database.js';
export * from './schema.js';
export { StorageError, isUniqueViolation, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './repo-helpers.js';
export type { Page, SqlDialect, StorageErrorCode } from './repo-helpers.js';
export type * from './users-repo.js';
export type * from './sessions-repo.js';
export type * from './connections-repo.js';
export type * from './contacts-repo.js';
export type * from './calls-repo.js';
export type * from './webhooks-repo.js';
export type * from './events-repo.js';
export type * from './originations-repo.js';
export type * from './event-sources-repo.js';
export type { Channel } from './pg-channel.js';
export type { HeldLock, SharedLock } from './pg-lock.js';
