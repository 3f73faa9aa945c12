// Markdown to sanitised HTML for Datanet descriptions: marked renders, DOMPurify removes anything executable.
import DOMPurify from 'dompurify';
import { marked } from 'marked';

/** Renders markdown to HTML that is safe to insert into the page. */
export function renderMarkdown(source: string): string {
	const html = marked.parse(source, { async: false, gfm: true, breaks: false });
	return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input'], FORBID_ATTR: ['style'] });
}
