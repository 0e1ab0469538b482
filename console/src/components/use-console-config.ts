import { useEffect, useState } from 'preact/hooks';
import { consoleConfig, type ConsoleConfig } from '../api';

/** The console's settings from the server (Temporal Web UI address and the like), read once per mount. */
export function useConsoleConfig() {
  const [cfg, setCfg] = useState<ConsoleConfig | null>(null);
  useEffect(() => void consoleConfig().then(setCfg), []);
  return cfg;
}
