// Yielding inside long loops (ingest, training, generation) so a worker's queued messages (pause, cancel) and a
// page's input run between steps.

/** Resolves after the tasks already queued have run: a MessageChannel round trip, which unlike a chain of
 * setTimeout(0) calls is never clamped to 4 ms. */
export function yieldToEventLoop(): Promise<void> {
	return new Promise((resolve) => {
		const channel = new MessageChannel();
		channel.port1.onmessage = () => {
			channel.port1.close();
			resolve();
		};
		channel.port2.postMessage(null);
	});
}
