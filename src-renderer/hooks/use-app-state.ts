// The app-wide state the UI needs from main: app info, settings view and
// connection status, loaded once and kept current by main's events.
import { useCallback, useEffect, useState } from 'react';
import type { AppInfo, SettingsView } from '../../src-shared/ipc/contract';
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';

export interface AppState {
  readonly info?: AppInfo;
  readonly view?: SettingsView;
  readonly connection?: ConnectionStatus;
  readonly loadError?: string;
  readonly setView: (view: SettingsView) => void;
}

export function useAppState(): AppState {
  const [info, setInfo] = useState<AppInfo>();
  const [view, setView] = useState<SettingsView>();
  const [connection, setConnection] = useState<ConnectionStatus>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    const api = sidecall();
    const offStatus = api.on('connection.status', setConnection);
    const offSettings = api.on('settings.changed', setView);
    Promise.all([api.request('app.info', {}), api.request('settings.get', {}), api.request('connection.get', {})])
      .then(([i, v, c]) => {
        setInfo(i);
        setView(v);
        setConnection(c);
      })
      .catch((error: unknown) => setLoadError(toRequestError(error).message));
    return () => {
      offStatus();
      offSettings();
    };
  }, []);

  const update = useCallback((v: SettingsView) => setView(v), []);
  return { ...(info ? { info } : {}), ...(view ? { view } : {}), ...(connection ? { connection } : {}), ...(loadError ? { loadError } : {}), setView: update };
}
