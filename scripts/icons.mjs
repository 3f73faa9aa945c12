// Renders the PNG app icons from static/icons/*.svg with headless Chromium (run once when the icon changes; the PNGs
// are committed).
import { chromium } from 'playwright';
import { readFileSync } from 'node:fs';

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
const page = await browser.newPage();
for (const [svg, png, size] of [['icon.svg', 'icon-192.png', 192], ['icon.svg', 'icon-512.png', 512], ['icon-maskable.svg', 'icon-maskable-512.png', 512]]) {
	await page.setViewportSize({ width: size, height: size });
	const src = readFileSync(new URL(`../static/icons/${svg}`, import.meta.url), 'utf8');
	await page.setContent(`<style>html,body{margin:0;background:transparent}</style>${src.replace('<svg ', `<svg width="${size}" height="${size}" `)}`);
	await page.screenshot({ path: new URL(`../static/icons/${png}`, import.meta.url).pathname, omitBackground: true });
}
await browser.close();
