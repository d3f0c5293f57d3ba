/**
 * The bare-Temporal floor for the transitions benchmark: a workflow whose Update calls one no-op
 * activity, with a synchronous validator — the least a validated, recorded step can cost.
 */
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const floorStepUpdate = defineUpdate<number, [string]>('floorStep');
export const floorDoneSignal = defineSignal('floorDone');

const { noop } = proxyActivities<{ noop(step: string): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function floorWorkflow(): Promise<number> {
  let steps = 0;
  let done = false;
  let busy = false;
  setHandler(
    floorStepUpdate,
    async (step) => {
      await condition(() => !busy);
      busy = true;
      try {
        await noop(step);
        steps += 1;
        return steps;
      } finally {
        busy = false;
      }
    },
    {
      validator: (step) => {
        if (typeof step !== 'string') throw new Error('step must be a string');
      },
    },
  );
  setHandler(floorDoneSignal, () => {
    done = true;
  });
  await condition(() => done);
  return steps;
}
