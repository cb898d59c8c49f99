// data-sync: invoked hourly by EventBridge Scheduler.
// Placeholder of the application's code: it logs the sync it would run.
export const handler = async () => {
  console.log(JSON.stringify({ sync: new Date().toISOString() }));
  return { ok: true };
};
