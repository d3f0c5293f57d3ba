export * from './lifecycle.js';
export * from './money.js';
export * from './schemas.js';
export * from './errors.js';
export * from './access.js';
export * from './project-records.js';
export * from './search-attributes.js';
export * from './deadlines.js';
