// The SA-IS construction itself (Nong, Zhang and Chan, 2009), laid out as Yuta Mori's sais-lite: no type array (a
// suffix's type is read from T[j - 1] against T[j] when it is placed, and kept in the sign bit of its slot), branch-free
// flags, names 1-based so 0 marks a free slot. The reduced string and its suffix array live in the output. This copy
// reads any SaisText; saisBytes.ts is generated from it for Uint8Array texts (see scripts/build-sais.mjs).

/** The typed arrays the construction reads; the recursion runs on Int32Array views of the output. */
export type SaisText = Uint8Array | Uint16Array | Uint32Array | Int32Array;

// Types, read right to left: the last suffix is L (the sentinel is smaller); i is S when T[i] < T[i + 1], or when they
// are equal and i + 1 is S. An LMS position is an S position whose left neighbour is L; position 0 never is one.
/** Writes the suffix array of T[0, n) (symbols in [0, K), below 2^31) into SA[0, n). */
export function sais(T: SaisText, SA: Int32Array, n: number, K: number): void {
	if (n <= 1) {
		if (n === 1) SA[0] = 0;
		return;
	}
	const C = new Int32Array(K);
	const B = new Int32Array(K);
	for (let i = 0; i < n; i++) C[T[i]]++;

	// Stage 1: reserve a slot at its bucket's end for each LMS position, right to left, and seed it with the position's
	// left neighbour (the next suffix to induce). The leftmost LMS position is left unseeded: only suffixes before it,
	// which lie in no LMS substring, would be induced from it; it is still induced itself, as every S suffix is.
	SA.fill(0, 0, n);
	bucketEnds(C, B, K);
	let m = 0;
	let slot = -1;
	let pending = -1;
	let i = n - 1;
	let c0 = T[n - 1];
	let c1 = c0;
	do c1 = c0;
	while (--i >= 0 && (c0 = T[i]) >= c1);
	while (i >= 0) {
		do c1 = c0;
		while (--i >= 0 && (c0 = T[i]) <= c1);
		if (i >= 0) {
			// i is L and i + 1 is LMS.
			if (slot >= 0) SA[slot] = pending;
			slot = --B[c1];
			pending = i;
			m++;
			do c1 = c0;
			while (--i >= 0 && (c0 = T[i]) >= c1);
		}
	}

	let names = 0;
	if (m > 1) {
		sortLmsSubstrings(T, SA, C, B, n, K);
		names = nameLmsSubstrings(T, SA, n, m);
	} else if (m === 1) {
		SA[slot] = pending + 1;
		names = 1;
	}

	// Stage 2: sort the LMS suffixes by sorting the reduced string's suffixes (directly when every name is unique).
	if (m > 1) {
		const reduced = SA.subarray(n - m, n);
		const reducedSa = SA.subarray(0, m);
		// Gather the names (1-based; 0 is a free slot) in text order into SA[n - m, n) as 0-based symbols.
		for (let k = m + (n >> 1) - 1, j = m - 1; k >= m; k--) {
			const name = SA[k];
			if (name !== 0) reduced[j--] = name - 1;
		}
		if (names < m) sais(reduced, reducedSa, m, names);
		else for (let k = 0; k < m; k++) reducedSa[reduced[k]] = k;

		// Map reduced ranks back to LMS positions: overwrite the reduced string with the LMS positions in text order,
		// counting them by first symbol in B, so that stage 3 need not read T at each one, in sorted (random) order.
		B.fill(0, 0, K);
		i = n - 1;
		let j = m - 1;
		c0 = T[n - 1];
		do c1 = c0;
		while (--i >= 0 && (c0 = T[i]) >= c1);
		while (i >= 0) {
			do c1 = c0;
			while (--i >= 0 && (c0 = T[i]) <= c1);
			if (i >= 0) {
				reduced[j--] = i + 1;
				B[c1]++;
				do c1 = c0;
				while (--i >= 0 && (c0 = T[i]) >= c1);
			}
		}
		for (let k = 0; k < m; k++) reducedSa[k] = reduced[reducedSa[k]];

		// Stage 3: move the sorted LMS suffixes to their buckets' ends, high buckets first, clearing the gaps. The k-th
		// smallest lands at or after slot k, so walking down never overwrites an unread entry.
		let k = m - 1;
		let end = n;
		for (let c = K - 1; c >= 0; c--) {
			let to = end;
			for (let lms = B[c]; lms > 0; lms--) SA[--to] = SA[k--];
			end -= C[c];
			while (to > end) SA[--to] = 0;
		}
	}
	induceSuffixArray(T, SA, C, B, n, K);
}

function bucketStarts(C: Int32Array, B: Int32Array, K: number): void {
	let sum = 0;
	for (let c = 0; c < K; c++) {
		B[c] = sum;
		sum += C[c];
	}
}

function bucketEnds(C: Int32Array, B: Int32Array, K: number): void {
	let sum = 0;
	for (let c = 0; c < K; c++) {
		sum += C[c];
		B[c] = sum;
	}
}

// Stage 1's induced sort. A slot holds the left neighbour j of the suffix placed there: positive while j is still to be
// induced in this pass, ~j when j has the other type. Each induced slot is cleared, so at the end only the LMS positions
// remain, as ~p, in the order of their LMS substrings. Position 0 is never induced: it lies in no LMS substring.
// Branch-free flags: (a - b) >> 31 is -1 when a < b and 0 otherwise (symbols are below 2^31 after compactAlphabet or
// as names), and j ^ -1 is ~j.
function sortLmsSubstrings(T: SaisText, SA: Int32Array, C: Int32Array, B: Int32Array, n: number, K: number): void {
	// L suffixes, left to right from bucket starts; the sentinel first induces n - 1.
	bucketStarts(C, B, K);
	let j = n - 2;
	SA[B[T[n - 1]]++] = j ^ ((T[j] - T[n - 1]) >> 31);
	for (let i = 0; i < n; i++) {
		j = SA[i];
		if (j > 0) {
			const c = T[j];
			j--;
			SA[B[c]++] = j ^ ((T[j] - c) >> 31);
			SA[i] = 0;
		} else if (j < 0) SA[i] = ~j;
	}
	// S suffixes, right to left from bucket ends; an S suffix with an L left neighbour is LMS and is kept as ~p.
	bucketEnds(C, B, K);
	for (let i = n - 1; i >= 0; i--) {
		j = SA[i];
		if (j > 0) {
			const c = T[j];
			j--;
			const lms = (c - T[j]) >> 31;
			SA[--B[c]] = (j + (lms & 1)) ^ lms;
			SA[i] = 0;
		}
	}
}

// Compacts the sorted LMS positions into SA[0, m) and names each LMS substring by rank (1-based), storing the name of
// p at SA[m + (p >> 1)]: LMS positions are at least two apart and m <= n / 2, so each has its own slot. Two LMS
// substrings (from an LMS position through the next, or through the sentinel) are equal when their lengths and
// symbols agree: the types follow from the symbols, as both end on an S position. Lengths are found by scanning
// forward only for substrings that get a new name, next to the symbols just compared, instead of a separate pass whose
// table the sorted order would read at random. Returns the number of names.
function nameLmsSubstrings(T: SaisText, SA: Int32Array, n: number, m: number): number {
	let i = 0;
	let p: number;
	for (; (p = SA[i]) < 0; i++) SA[i] = ~p;
	if (i < m) {
		for (let j = i++; ; i++) {
			if ((p = SA[i]) < 0) {
				SA[j++] = ~p;
				SA[i] = 0;
				if (j === m) break;
			}
		}
	}

	// Each LMS substring is compared with the last one that got a new name, q, whose length (to its closing LMS position)
	// is known: the symbols through q's closing position must agree, and p's copy of that position must be S too. The
	// substring ending at the sentinel is unique.
	let names = 0;
	let q = n;
	let qLength = 0;
	for (let r = 0; r < m; r++) {
		p = SA[r];
		let same = false;
		if (q + qLength < n && p + qLength < n) {
			let d = 0;
			while (d <= qLength && T[p + d] === T[q + d]) d++;
			if (d > qLength) {
				let k = p + qLength;
				const c = T[k];
				while (++k < n && T[k] === c);
				same = k < n && T[k] > c;
			}
		}
		if (!same) {
			names++;
			q = p;
			qLength = lmsLength(T, n, p);
		}
		SA[m + (p >> 1)] = names;
	}
	return names;
}

// The distance from LMS position p to the next LMS position, or to n when the substring runs to the sentinel: past
// the first drop T[k - 1] > T[k], k is LMS when the run of T[k] ends on a larger symbol.
function lmsLength(T: SaisText, n: number, p: number): number {
	let k = p + 1;
	for (;;) {
		while (k < n && T[k - 1] <= T[k]) k++;
		if (k >= n) return n - p;
		let j = k + 1;
		while (j < n && T[j] === T[k]) j++;
		if (j >= n) return n - p;
		if (T[j] > T[k]) return k - p;
		k = j;
	}
}

// Stage 3's induced sort from the sorted LMS seeds. A slot holds a suffix p, as ~p while p's left neighbour must not be
// induced in the current pass (it has the other type, or p is 0); each pass flips the slots it passes over, so every
// slot ends positive.
function induceSuffixArray(T: SaisText, SA: Int32Array, C: Int32Array, B: Int32Array, n: number, K: number): void {
	// L suffixes, left to right from bucket starts; the sentinel first induces n - 1.
	bucketStarts(C, B, K);
	let j = n - 1;
	SA[B[T[j]]++] = j > 0 && T[j - 1] < T[j] ? ~j : j;
	for (let i = 0; i < n; i++) {
		j = SA[i];
		SA[i] = ~j;
		if (j > 0) {
			j--;
			const c = T[j];
			SA[B[c]++] = j > 0 ? j ^ ((T[j - 1] - c) >> 31) : j;
		}
	}
	// S suffixes, right to left from bucket ends, overwriting the seeds.
	bucketEnds(C, B, K);
	for (let i = n - 1; i >= 0; i--) {
		j = SA[i];
		if (j > 0) {
			j--;
			const c = T[j];
			SA[--B[c]] = j > 0 ? j ^ ((c - T[j - 1]) >> 31) : ~j;
		} else SA[i] = ~j;
	}
}
