// Saving a file the app made (a bundle, a model, a receipt) through a temporary object URL and a link click.

/** Offers `data` as a download named `name`. */
export function downloadFile(data: BlobPart, name: string, type: string): void {
	const url = URL.createObjectURL(new Blob([data], { type }));
	const a = Object.assign(document.createElement('a'), { href: url, download: name });
	a.click();
	setTimeout(() => URL.revokeObjectURL(url), 10_000); // the download may start after this tick
}
