// The machine's audio devices, kept current as headsets come and go
// (`devicechange`); an empty list until the browser answers or if it refuses.
import { useEffect, useState } from 'react';
import { listAudioDevices, type AudioDevice } from '../softphone/media';

export function useAudioDevices(): readonly AudioDevice[] {
  const [devices, setDevices] = useState<readonly AudioDevice[]>([]);
  useEffect(() => {
    let stale = false;
    const load = (): void => {
      void listAudioDevices()
        .then((d) => {
          if (!stale) setDevices(d);
        })
        .catch(() => undefined);
    };
    load();
    navigator.mediaDevices?.addEventListener?.('devicechange', load);
    return () => {
      stale = true;
      navigator.mediaDevices?.removeEventListener?.('devicechange', load);
    };
  }, []);
  return devices;
}
