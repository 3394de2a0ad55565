import { usePageTitle } from '../a11y';
import { linkProps } from '../router';
import { useT } from '../i18n';

/** An address the studio has no page for (a mistyped or old link): say so and offer the way on. */
export function NotFoundPage({ path }: { path: string }) {
  const t = useT();
  usePageTitle(t('notFound.title'));
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <p>{t.rich('notFound.body', { path: <code key="path" translate="no">{path}</code> })}</p>
      <p><a {...linkProps('/create')}>{t('notFound.create')}</a> · <a {...linkProps('/feed')}>{t('notFound.feed')}</a> · <a {...linkProps('/mine')}>{t('notFound.mine')}</a></p>
    </section>
  );
}
