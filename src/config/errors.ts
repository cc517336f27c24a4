/**
 * A configuration or usage error: the CLI prints its message and exits 2. The message always names
 * the key, flag or environment variable to fix.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
