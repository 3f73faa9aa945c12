import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import LossChart from './LossChart.svelte';

let mounted: ReturnType<typeof mount> | null = null;
afterEach(() => {
	if (mounted) unmount(mounted);
	mounted = null;
	document.body.replaceChildren();
});

function render(train: { step: number; loss: number }[], validation: { step: number; loss: number }[], steps: number): HTMLElement {
	const target = document.body.appendChild(document.createElement('div'));
	mounted = mount(LossChart, { target, props: { train, validation, steps } });
	flushSync();
	return target;
}

const points = (d: string | null) => (d ?? '').split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number));

describe('LossChart', () => {
	it('draws every point of a short run and writes out the latest losses', () => {
		const train = Array.from({ length: 20 }, (_, i) => ({ step: i + 1, loss: 6 - i * 0.1 }));
		const chart = render(train, [{ step: 20, loss: 4.2 }], 20);
		expect(points(chart.querySelector('path.train')!.getAttribute('d'))).toHaveLength(20);
		expect(chart.querySelector('[data-testid="train-loss"]')!.textContent).toBe('4.100');
		expect(chart.querySelector('[data-testid="val-loss"]')!.textContent).toBe('4.200');
		expect(chart.querySelectorAll('circle.validation-dot')).toHaveLength(1);
	});

	it('thins a long run to a bounded path that still ends at the latest step', () => {
		const steps = 50_000;
		const train = Array.from({ length: steps }, (_, i) => ({ step: i + 1, loss: 3 + Math.sin(i) }));
		const chart = render(train, [], steps);
		const drawn = points(chart.querySelector('path.train')!.getAttribute('d'));
		expect(drawn.length).toBeLessThanOrEqual(301);
		expect(drawn.length).toBeGreaterThan(200);
		const [lastX] = drawn.at(-1)!;
		expect(lastX).toBeCloseTo(600 - 12, 0); // the right edge: W minus the right padding
		expect(chart.querySelector('[data-testid="train-loss"]')!.textContent).toBe(train.at(-1)!.loss.toFixed(3));
	});
});
