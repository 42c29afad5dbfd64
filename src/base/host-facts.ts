/**
 * The connection facts other layers need from a host's merged variables.
 * The inventory layer produces these; ssh, gate and run consume them.
 */
export interface HostFacts {
  /** Inventory name. */
  readonly name: string;
  /** ansible_connection (or -c): 'local' for localhost-style hosts, otherwise 'ssh'. */
  readonly connection: 'local' | 'ssh';
  /**
   * ansible_connection as written when ftl cannot honour it (docker, winrm, ...): calls
   * on the host are refused, naming it, never run over ssh instead.
   */
  readonly unsupportedConnection?: string | undefined;
  /** ansible_host, else the inventory name. */
  readonly address: string;
  /** ansible_port (undefined: ~/.ssh/config or 22). */
  readonly port: number | undefined;
  /** ansible_user (undefined: ~/.ssh/config or the local user). */
  readonly user: string | undefined;
  /** ansible_ssh_private_key_file, with ~ expanded. */
  readonly privateKeyFile: string | undefined;
  /** ansible_password / ansible_ssh_pass. A secret: never log or print it. */
  readonly password: string | undefined;
  /** ansible_python_interpreter (undefined: discover). */
  readonly python: string | undefined;
  /** ansible_become. */
  readonly become: boolean;
  /** ansible_become_user (default root when become is on). */
  readonly becomeUser: string | undefined;
  /** ansible_become_password / ansible_become_pass. A secret. */
  readonly becomePassword: string | undefined;
  /** ansible_become_method (or --become-method), default sudo. */
  readonly becomeMethod: 'sudo' | 'su';
  /** ansible_become_method as written when ftl cannot honour it (doas, pbrun, ...): become on the host is refused. */
  readonly unsupportedBecomeMethod?: string | undefined;
  /** ansible_become_flags: replace sudo's default -H, or go to su as written. */
  readonly becomeFlags?: string | undefined;
  /** ProxyJump hops from ansible_ssh_common_args (-J a,b or -o ProxyJump=a,b), in order. */
  readonly proxyJump: readonly string[];
  /** ansible_host_key_checking (default true). */
  readonly hostKeyChecking: boolean;
  /** -o UserKnownHostsFile=... in ansible_ssh_common_args / ansible_ssh_extra_args, ~ expanded. */
  readonly knownHostsFile?: string | undefined;
  /** -o StrictHostKeyChecking=... there (yes | no | accept-new | ask | off), as written. */
  readonly strictHostKeyChecking?: string | undefined;
  /** -o ProxyCommand=... there, %-tokens unexpanded; 'none' turns off one from ~/.ssh/config. */
  readonly proxyCommand?: string | undefined;
  /** Seconds to set up a connection: ansible_ssh_timeout, ansible_timeout, else -o ConnectTimeout there. */
  readonly connectTimeoutS?: number | undefined;
  /**
   * Every -o option in ansible_ssh_common_args and ansible_ssh_extra_args (and -J, -i),
   * names lowercased, the first value of each as ssh keeps it: the ssh layer honours
   * what it can and names the rest in a warning.
   */
  readonly sshOptions?: Readonly<Record<string, string>> | undefined;
  /** Flags there that are not -o options (-A, -L ..., -4), as written. */
  readonly sshFlags?: readonly string[] | undefined;
}
