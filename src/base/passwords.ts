import { FtlError } from './errors.js';

/**
 * Passwords asked for while a session runs (an SSH login that keys cannot open, a sudo
 * that wants one). They live in memory for the session only: never in a file, a log,
 * a result, history or a command line.
 */
export interface PasswordRequest {
  readonly kind: 'ssh' | 'become';
  /** The host as the user knows it (inventory name, or address for SSH). */
  readonly host: string;
  /** ssh: the login user. become: the user sudo (or su) runs the gate as. */
  readonly user: string;
  /** become: how (sudo unless said). */
  readonly method?: 'sudo' | 'su' | undefined;
  /** ssh: a keyboard-interactive prompt of the server's own (a one-time code...), asked in its words; one answer per text. */
  readonly prompt?: string | undefined;
  /** The answer this host refused last time (held in memory like any other): not to be offered again. */
  readonly refused?: string | undefined;
}

export type AskPassword = (req: PasswordRequest) => Promise<string>;

/** What the person is asked, in Ansible's words where Ansible has them. */
export function passwordPrompt(req: PasswordRequest, sshDefault = false): string {
  const again = req.refused !== undefined ? ' (the last one was refused)' : '';
  if (req.kind === 'ssh' && req.prompt !== undefined) return `${req.prompt.trim().replace(/:$/, '')} (${req.user}@${req.host})${again}: `;
  if (req.kind === 'ssh') return `SSH password for ${req.user}@${req.host}${again}: `;
  const how = req.method === 'su' ? `su ${req.user}` : `sudo -u ${req.user}`;
  return `BECOME password for ${req.host} (${how})${again}${sshDefault ? '[defaults to SSH password]' : ''}: `;
}

/** What answers are shared by: the SSH password, the become password, and each server prompt by its text. */
function bookKey(req: PasswordRequest): string {
  return req.prompt === undefined ? req.kind : `prompt\0${req.prompt.trim().replace(/:$/, '').trim()}`;
}

/**
 * One prompt at a time (ten hosts asking at once get one question), and one answer
 * reused for every host of the session, as `ansible -k` does; a host that refuses it
 * gets a question of its own. Keyboard-interactive prompts are asked once per text.
 */
export class PasswordBook {
  private readonly latest = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped when a question is cancelled (Ctrl-C): the questions waiting behind it are cancelled too. */
  private epoch = 0;

  constructor(
    private readonly read: (prompt: string) => Promise<string>,
    given: { ssh?: string | undefined; become?: string | undefined } = {},
  ) {
    if (given.ssh !== undefined) this.latest.set('ssh', given.ssh);
    if (given.become !== undefined) this.latest.set('become', given.become);
  }

  readonly ask: AskPassword = (req) => {
    const epoch = this.epoch;
    const turn = this.queue.then(async () => {
      if (epoch !== this.epoch) throw new FtlError('FTL_CANCELLED', 'no password given (Ctrl-C)', { host: req.host });
      // Asked while waiting in line: someone else's answer may do.
      const key = bookKey(req);
      const known = this.latest.get(key);
      if (known !== undefined && known !== req.refused) return known;
      let answer: string;
      try {
        // Ansible's rule: an empty become answer means the SSH password.
        const ssh = req.kind === 'become' && req.prompt === undefined ? this.latest.get('ssh') : undefined;
        const typed = await this.read(passwordPrompt(req, ssh !== undefined));
        answer = typed === '' && ssh !== undefined ? ssh : typed;
      } catch (e) {
        if (e instanceof FtlError && e.code === 'FTL_CANCELLED') this.epoch++;
        throw e;
      }
      this.latest.set(key, answer);
      return answer;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  };
}
