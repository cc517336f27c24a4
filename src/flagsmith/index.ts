/** The Flagsmith client, its schemas and the value/version helpers. */
export * from './client.js';
export * from './schemas.js';
export * from './values.js';
export * from './versions.js';
