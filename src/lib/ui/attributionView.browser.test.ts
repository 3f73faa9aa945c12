import { flushSync, mount, unmount, type Component } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { TOTAL_BPS } from '$lib/attribution/shares';
import { SegmentedSpanIndex } from '$lib/attribution/spans/segmented';
import { byteTokenizer as tokenizer } from '$lib/attribution/spans/tokenizer';
import { traceSpans } from '$lib/attribution/spans/trace';
import ShareChart from './ShareChart.svelte';
import SpanHighlight from './SpanHighlight.svelte';
import { spanShade } from './spanShade';

const ALICE = '0x00000000000000000000000000000000000a11ce';
const BOB = '0x0000000000000000000000000000000000000b0b';
const LANTERNS = 'Copper lanterns hummed softly above the sleeping harbor.';
const BREAD = 'Grandmother folded cardamom into every loaf of rye bread.';

const records = [
	{ cid: 'alice1', contributor: ALICE, datanetId: 'lighthouses', text: `Keepers say: ${LANTERNS} Gulls slept too.` },
	{ cid: 'alice2', contributor: ALICE, datanetId: 'lighthouses', text: 'The fog bell rang twice before dawn.' },
	{ cid: 'bob1', contributor: BOB, datanetId: 'kitchens', text: `Every winter, ${BREAD}` },
	{ cid: 'bob2', contributor: BOB, datanetId: 'kitchens', text: 'Salt the butter before you brown it.' }
];

let mounted: ReturnType<typeof mount>[] = [];
afterEach(() => {
	for (const component of mounted) unmount(component);
	mounted = [];
	document.body.replaceChildren();
});

function render<Props extends Record<string, unknown>>(component: Component<Props>, props: Props): HTMLElement {
	const target = document.body.appendChild(document.createElement('div'));
	mounted.push(mount(component, { target, props }));
	flushSync();
	return target;
}

describe('SpanHighlight and ShareChart', () => {
	const index = SegmentedSpanIndex.empty(tokenizer).withRecords(records, tokenizer);
	const response = `Picture it. ${LANTERNS} Then ${BREAD}`;
	const { spans, shares } = traceSpans(index, { prompt: 'Harbors and bread?', response, tokenizer, options: { minLength: 12 } });

	it('highlights both quotes and shows each one’s source record and contributor on tap', () => {
		expect(spans.map((s) => s.text.trim())).toEqual([LANTERNS, BREAD]);
		const view = render(SpanHighlight, { text: response, spans: spans.map((s) => ({ ...s, rarity: s.weight })) });
		const marks = [...view.querySelectorAll<HTMLElement>('mark[role="button"]')];
		expect(marks.map((m) => m.textContent?.trim())).toEqual([LANTERNS, BREAD]);
		expect(view.querySelector('.answer')?.textContent).toBe(response);
		for (const m of marks) {
			expect(m.tabIndex).toBe(0);
			for (const box of m.getClientRects()) expect(box.height).toBeGreaterThanOrEqual(44);
			expect(document.getElementById(m.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Found in 1 source record.');
		}

		marks[0].click();
		flushSync();
		expect(marks[0].getAttribute('aria-expanded')).toBe('true');
		const panel = document.getElementById(marks[0].getAttribute('aria-controls') ?? '');
		expect(panel?.querySelector('.context strong')?.textContent?.trim()).toBe(LANTERNS);
		expect(panel?.querySelector('.context')?.textContent).toContain('Keepers say:');
		expect(panel?.querySelector('.mono')?.getAttribute('title')).toBe(ALICE);
		expect(panel?.textContent).toContain('Datanet lighthouses');
		expect(panel?.querySelector('button')?.getBoundingClientRect().height).toBeGreaterThanOrEqual(44);

		marks[1].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
		flushSync();
		expect([marks[0], marks[1]].map((m) => m.getAttribute('aria-expanded'))).toEqual(['false', 'true']);
		expect(panel?.querySelector('.context strong')?.textContent?.trim()).toBe(BREAD);
		expect(panel?.querySelector('.mono')?.getAttribute('title')).toBe(BOB);
		expect(panel?.textContent).toContain('Datanet kitchens');

		marks[1].click();
		flushSync();
		expect(panel?.querySelector('section')).toBeNull();
	});

	it('names a source’s Datanet when its name is known, keeping the id as the tag’s title', () => {
		const view = render(SpanHighlight, { text: response, spans: spans.map((s) => ({ ...s, rarity: s.weight })), datanetNames: { kitchens: 'Kitchen notes' } });
		const marks = [...view.querySelectorAll<HTMLElement>('mark[role="button"]')];
		marks[1].click();
		flushSync();
		const tag = view.querySelector('.sources .tag');
		expect(tag?.textContent).toBe('Kitchen notes');
		expect(tag?.getAttribute('title')).toBe('kitchens');
		marks[0].click();
		flushSync();
		expect(view.querySelector('.sources .tag')?.textContent).toBe('Datanet lighthouses');
	});

	it('charts both contributors, largest first, with percents adding up to 100.0', () => {
		const view = render(ShareChart, { shares, names: { [BOB]: 'Bob' } });
		const rows = [...view.querySelectorAll('tbody tr')];
		const sorted = [...shares].sort((a, b) => b.bps - a.bps);
		expect(rows.map((r) => r.querySelector('.mono')?.getAttribute('title'))).toEqual(sorted.map((s) => s.contributor));
		expect(view.querySelector('.name')?.textContent).toBe('Bob');
		const percents = rows.map((r) => Number.parseFloat(r.querySelector('.percent')?.textContent ?? ''));
		expect(percents.reduce((a, b) => a + b, 0).toFixed(1)).toBe('100.0');
		expect(shares.reduce((sum, s) => sum + s.bps, 0)).toBe(TOTAL_BPS);
	});

	it('rounds percents so they add up even when every share ends in 5 basis points', () => {
		const view = render(ShareChart, { shares: [{ contributor: ALICE, bps: 3335 }, { contributor: BOB, bps: 3335 }, { contributor: '0xcarol', bps: 3330 }] });
		expect([...view.querySelectorAll('.percent')].map((p) => p.textContent)).toEqual(['33.4%', '33.3%', '33.3%']);
	});

	it('shades the rarer of the two spans more strongly', () => {
		const [a, b] = spans.map((s) => s.weight);
		const [min, max] = [Math.min(a, b), Math.max(a, b)];
		expect(spanShade(max, min, max)).toBeGreaterThan(spanShade(min, min, max));
		const view = render(SpanHighlight, { text: response, spans: spans.map((s) => ({ ...s, rarity: s.weight })) });
		const shades = [...view.querySelectorAll<HTMLElement>('mark')].map((m) => Number.parseFloat(m.style.getPropertyValue('--shade')));
		expect(shades[a > b ? 0 : 1]).toBeGreaterThan(shades[a > b ? 1 : 0]);
	});
});
