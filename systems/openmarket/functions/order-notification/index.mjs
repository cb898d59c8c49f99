// order-notification: invoked by the EventBridge rule for 'order.created' on the openmarket-<env> bus.
// Placeholder of the application's code: it logs the order it would notify about.
export const handler = async (event) => {
  console.log(JSON.stringify({ order: event.detail ?? null, source: event.source, type: event["detail-type"] }));
  return { notified: Boolean(event.detail) };
};
