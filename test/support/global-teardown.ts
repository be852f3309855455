/** Stops the run's DynamoDB Local (the Java process with it). */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __DDB__?: { stop(): Promise<void> } }).__DDB__?.stop();
}
