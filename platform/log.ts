/** A small line logger: `[time] [component] message`. Progress lines of the launcher use it too. */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** `allToStderr` keeps stdout clean for commands whose output is a value (a path, JSON). */
export function createLogger(
  component: string,
  level: Level = (process.env.LOG_LEVEL as Level) ?? 'info',
  allToStderr = false,
): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const write = (l: Level, msg: string) => {
    if (ORDER[l] < min) return;
    const line = `${new Date().toISOString()} [${component}] ${l === 'info' ? '' : l.toUpperCase() + ' '}${msg}\n`;
    (allToStderr || l === 'error' || l === 'warn' ? process.stderr : process.stdout).write(line);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
