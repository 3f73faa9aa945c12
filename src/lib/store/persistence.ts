// Storage persistence and usage: ask the browser once, when the user first stores data, to keep our storage
// (navigator.storage.persist), and report what is used for the Settings page.

/** Asks for persistent storage if not granted yet; returns whether storage is persistent. */
export async function requestPersistence(): Promise<boolean> {
	if (!navigator.storage?.persist) return false;
	if (await navigator.storage.persisted()) return true;
	return navigator.storage.persist();
}

export type StorageReport = { usage: number; quota: number; persistent: boolean };

/** Returns bytes used, the quota and whether storage is persistent. */
export async function storageReport(): Promise<StorageReport> {
	const estimate = (await navigator.storage?.estimate?.()) ?? {};
	const persistent = (await navigator.storage?.persisted?.()) ?? false;
	return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persistent };
}

/** Formats a byte count for people (KiB, MiB, GiB). */
export function formatBytes(n: number): string {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
	return `${n < 10 && i > 0 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}
