/** How the hub is configured: command-line flags win over environment variables, which win over defaults. */
import { dirname, join, resolve } from 'node:path';

export interface HubConfig {
  port: number;
  host: string;
  /** A SQLite file path or a postgres:// URL. */
  db: string;
  /** Where providers reach the hub; webhook URLs are built on it. */
  publicUrl: string;
  /** Key material for secrets at rest; when absent a key file beside the database is used. */
  secret: string | undefined;
  /** A key that only opens (SWITCHBOARD_PREVIOUS_SECRET), while instances move to a rotated secret. */
  previousSecret: string | undefined;
  /** Used when `secret` is absent. */
  keyFile: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  /** Serve /metrics without authentication (SWITCHBOARD_METRICS_PUBLIC=1), for a scraper on a private network. */
  metricsPublic: boolean;
  /**
   * Whose X-Forwarded-For / -Proto to believe (SWITCHBOARD_TRUST_PROXY): addresses or CIDRs, comma-separated,
   * `loopback` (the default: a proxy on the same machine), `true` for any, `false` for none.
   */
  trustProxy: string | boolean;
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  db?: string;
  publicUrl?: string;
}

export const DEFAULT_DB = './data/switchboard.db';

export function resolveDb(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): string {
  return flags.db ?? env.SWITCHBOARD_DB ?? DEFAULT_DB;
}

export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): HubConfig {
  const port = Number(flags.port ?? env.SWITCHBOARD_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`The port must be a whole number from 0 to 65535, not "${flags.port ?? env.SWITCHBOARD_PORT}"`);
  }
  const host = flags.host ?? env.SWITCHBOARD_HOST ?? '127.0.0.1';
  const db = resolveDb(flags, env);
  const publicUrl = (flags.publicUrl ?? env.SWITCHBOARD_PUBLIC_URL ?? `http://${urlHost(host)}:${port}`).replace(
    /\/+$/,
    '',
  );
  if (!/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new Error(`The public URL must start with http:// or https://, not "${publicUrl}"`);
  }
  return {
    port,
    host,
    db,
    publicUrl,
    secret: env.SWITCHBOARD_SECRET || undefined,
    previousSecret: env.SWITCHBOARD_PREVIOUS_SECRET || undefined,
    keyFile: keyFileFor(db),
    adminEmail: env.SWITCHBOARD_ADMIN_EMAIL || undefined,
    adminPassword: env.SWITCHBOARD_ADMIN_PASSWORD || undefined,
    logLevel: env.SWITCHBOARD_LOG_LEVEL ?? 'info',
    metricsPublic: env.SWITCHBOARD_METRICS_PUBLIC === '1' || env.SWITCHBOARD_METRICS_PUBLIC === 'true',
    trustProxy: parseTrustProxy(env.SWITCHBOARD_TRUST_PROXY),
  };
}

/** Fastify's `trustProxy`: a list for proxy-addr, or all or nothing. */
export function parseTrustProxy(value: string | undefined): string | boolean {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === '') return 'loopback';
  if (text === 'true' || text === 'all') return true;
  if (text === 'false' || text === 'none' || text === '0') return false;
  return value!.trim();
}

/** The key file sits beside a SQLite database; with PostgreSQL it goes to ./data. */
export function keyFileFor(db: string): string {
  const dir = isPostgresUrl(db) || db === ':memory:' ? resolve('data') : dirname(resolve(db));
  return join(dir, 'secret.key');
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
