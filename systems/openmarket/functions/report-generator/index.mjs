// report-generator: invoked daily at 00:00 Asia/Seoul by EventBridge Scheduler.
// Placeholder of the application's code: it logs where the report would be written.
export const handler = async () => {
  const day = new Date().toISOString().slice(0, 10);
  console.log(JSON.stringify({ report: `${process.env.REPORTS_PREFIX}${day}.json`, bucket: process.env.UPLOADS_BUCKET }));
  return { day };
};
