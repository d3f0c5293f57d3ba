/**
 * The `patched()` ids of the complaint workflow, one per change to its command sequence or its
 * commands' inputs. Each id is written into the histories of the runs that took the change, so the
 * ids never change and none is removed while a history recorded before it may still replay
 * (tests/fixtures/histories).
 */

/**
 * A new time-limit term is numbered one past the last term of its phase the complaint ever armed,
 * counted in the workflow's state. It used to be one past the running term, and none runs once
 * the complaint is answered: a reopening after the answer armed the answer phase's term 1 again,
 * whose overdue row (keyed on complaint, phase, term and step) and message key were the first
 * term's, so the second lateness was neither recorded, announced nor ranked. Histories recorded
 * before it replay with the old numbering.
 */
export const COMPLAINT_TERMS_COUNTED_PATCH = 'complaint-terms-counted';
