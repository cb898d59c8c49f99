// image-processor: invoked by S3 when an object is created under the uploads bucket's image prefix.
// Placeholder of the application's code (the document's): it logs what it would process.
export const handler = async (event) => {
  const keys = (event.Records ?? []).map((r) => `${r.s3.bucket.name}/${decodeURIComponent(r.s3.object.key)}`);
  console.log(JSON.stringify({ processing: keys, target: process.env.UPLOADS_BUCKET }));
  return { processed: keys.length };
};
