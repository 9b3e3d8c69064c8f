/** The module contract. Imports nothing from the rest of Switchboard. */
export * from './voip.js';
export * from './http.js';
export * from './connector.js';
