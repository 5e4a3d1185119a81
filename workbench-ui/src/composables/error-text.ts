// What to tell the user about a failure: the kernel's problem detail when there is one (it names the
// field, the permission or the limit), a translated sentence otherwise.
import { useI18n } from 'vue-i18n';
import { ApiError } from '../api/http.ts';

export function useErrorText(): (error: unknown) => string {
  const { t } = useI18n();
  return (error) => {
    if (error instanceof ApiError) {
      if (error.code === 'network') return t('errors.network');
      if (error.status === 429) return error.message || t('errors.rateLimited');
      return error.message || error.problem.title || t('errors.unexpected');
    }
    return t('errors.unexpected');
  };
}
