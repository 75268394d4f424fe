/** The state file's error lives with the other known errors (src/errors.ts). */
export { StateFileError } from '../../errors.js';
