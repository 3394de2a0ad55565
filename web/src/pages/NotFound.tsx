import { usePageTitle } from '../a11y';
import { linkProps } from '../router';

/** An address the studio has no page for (a mistyped or old link): say so and offer the way on. */
export function NotFoundPage({ path }: { path: string }) {
  usePageTitle('Page not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>The studio has no page at <code>{path}</code>. The link may be mistyped or out of date.</p>
      <p><a {...linkProps('/create')}>Create a video</a> · <a {...linkProps('/feed')}>See the feed</a> · <a {...linkProps('/mine')}>Your videos</a></p>
    </section>
  );
}
