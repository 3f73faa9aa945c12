import { describe, expect, it } from 'vitest';
import { BaseError, BundleError, InvalidRecordError, NotFoundError, StorageQuotaError, fromWorkerError, storageCall, toUserError } from './errors';

describe('BaseError', () => {
	it('puts the short message, hint and details on separate lines and keeps the cause', () => {
		const cause = new Error('low level');
		const e = new BaseError('Could not save', { details: 'tx aborted', hint: 'Try again', cause });
		expect(e.message).toBe('Could not save\n\nHint: Try again\nDetails: tx aborted');
		expect(e.shortMessage).toBe('Could not save');
		expect(e.cause).toBe(cause);
		expect(e.name).toBe('BaseError');
		expect(e).toBeInstanceOf(Error);
	});

	it('has only the short message when there is nothing else', () => {
		const e = new NotFoundError('No such Datanet');
		expect(e.message).toBe('No such Datanet');
		expect(e.name).toBe('NotFoundError');
		expect(e).toBeInstanceOf(BaseError);
		expect('cause' in e && e.cause !== undefined).toBe(false);
	});

	it('subclasses carry their extra fields', () => {
		expect(new InvalidRecordError('too-large', 'big').reason).toBe('too-large');
		const b = new BundleError('bad', { badCids: ['bafy1'], details: 'bafy1 damaged' });
		expect(b.badCids).toEqual(['bafy1']);
		expect(b.message).toContain('bafy1 damaged');
		expect(new BundleError('x').badCids).toEqual([]);
	});
});

describe('toUserError', () => {
	it('returns BaseErrors unchanged', () => {
		const e = new NotFoundError('gone');
		expect(toUserError(e)).toBe(e);
	});

	it('maps QuotaExceededError DOMExceptions to StorageQuotaError with a hint', () => {
		const raw = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		const e = toUserError(raw);
		expect(e).toBeInstanceOf(StorageQuotaError);
		expect(e.hint).toMatch(/delete Datanets/);
		expect(e.hint).toMatch(/export/);
		expect(e.hint).toMatch(/Settings/);
		expect(e.cause).toBe(raw);
	});

	it('wraps anything else as "Something went wrong" with the message as details', () => {
		const raw = new TypeError('x is undefined');
		const e = toUserError(raw);
		expect(e).not.toBeInstanceOf(StorageQuotaError);
		expect(e.shortMessage).toBe('Something went wrong');
		expect(e.details).toBe('x is undefined');
		expect(e.cause).toBe(raw);
		expect(toUserError('plain string').details).toBe('plain string');
	});
});

describe('fromWorkerError', () => {
	// What comlink hands the page for an error a worker threw: a plain Error with the original name and message.
	const sent = (e: Error) => Object.assign(new Error(e.message), { name: e.name, stack: e.stack });

	it('gets back the short message, hint and details of a BaseError subclass', () => {
		const original = Object.assign(new BaseError('No index yet.', { hint: 'Build it first.', details: 'run 1\nline 2' }), { name: 'InfluenceIndexError' });
		const e = fromWorkerError(sent(original));
		expect(e).toMatchObject({ name: 'InfluenceIndexError', shortMessage: 'No index yet.', hint: 'Build it first.', details: 'run 1\nline 2' });
		expect(e.message).toBe(original.message);
		const hintOnly = fromWorkerError(sent(Object.assign(new BaseError('Short.', { hint: 'Do this.' }), { name: 'XError' })));
		expect(hintOnly).toMatchObject({ shortMessage: 'Short.', hint: 'Do this.', details: undefined });
		const detailsOnly = fromWorkerError(sent(Object.assign(new BaseError('Short.', { details: 'why' }), { name: 'XError' })));
		expect(detailsOnly).toMatchObject({ shortMessage: 'Short.', hint: undefined, details: 'why' });
	});

	it('leaves engine errors and full disks to toUserError', () => {
		expect(fromWorkerError(sent(new TypeError('x is undefined')))).toMatchObject({ shortMessage: 'Something went wrong', details: 'x is undefined' });
		expect(fromWorkerError(sent(Object.assign(new Error('disk'), { name: 'QuotaExceededError' })))).toBeInstanceOf(StorageQuotaError);
		expect(fromWorkerError('text')).toMatchObject({ shortMessage: 'Something went wrong', details: 'text' });
	});
});

describe('storageCall', () => {
	const wrap = (details: string | undefined, cause: unknown) => new BaseError('The store failed.', { details, cause });
	it('passes results and BaseErrors through, and types the rest', async () => {
		expect(await storageCall(async () => 7, wrap)).toBe(7);
		const own = new BaseError('Mine.');
		await expect(storageCall(() => Promise.reject(own), wrap)).rejects.toBe(own);
		const full = Object.assign(new Error('disk'), { name: 'QuotaExceededError' });
		await expect(storageCall(() => Promise.reject(full), wrap)).rejects.toBeInstanceOf(StorageQuotaError);
		await expect(storageCall(() => Promise.reject(new Error('gone')), wrap)).rejects.toMatchObject({ shortMessage: 'The store failed.', details: 'gone' });
	});
});
