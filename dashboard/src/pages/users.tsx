// The merchant's dashboard users (loaded on demand): create one with a password (POST
// /v1/dashboard-users), see them all (GET), and disable one behind a confirmation (POST
// .../disable): it signs in no more and its open sessions end. The password is sent once, over the
// session, and never shown or kept by the page.
import { useRef, useState } from 'preact/hooks';
import { apiGet, apiPost, session } from '../api.js';
import { formatTime } from '../format.js';
import { useLoad, useSignal } from '../hooks.js';
import { pageWords, t as common } from '../i18n.js';
import { problemText, Show } from '../show.js';

export const usersWords = pageWords(
  {
    usersTitle: '控制台用户',
    usersIntro:
      '除了 API 密钥，商户可以为店员创建用户名和密码来登录控制台。密码只以 scrypt 哈希保存；停用的用户不能再登录，已登录的会话立即结束。',
    newUser: '新建用户',
    usernameHint: '1 到 32 个字母、数字、点、短横线或下划线',
    passwordHint: '12 到 128 个字符',
    passwordAgain: '再输一次密码',
    create: '创建',
    creating: '正在创建…',
    created: '已创建用户 {name}。',
    badUsername: '用户名应为 1 到 32 个字母、数字、点、短横线或下划线。',
    badPassword: '密码应为 12 到 128 个字符。',
    passwordsDiffer: '两次输入的密码不一样。',
    usersList: '用户',
    createdAt: '创建时间',
    state: '状态',
    active: '可以登录',
    disabledAt: '已停用（{at}）',
    disable: '停用',
    confirmDisable: '停用用户 {name}？它将不能再登录，正在使用的会话会结束。用户名不能再用于新用户。',
    disabled: '已停用用户 {name}。',
    noUsers: '还没有用户。',
    you: '（你）',
  },
  {
    usersTitle: 'Dashboard users',
    usersIntro:
      'Besides the API key, a merchant can give its staff a username and password for the dashboard. Passwords are kept only as scrypt hashes; a disabled user signs in no more, and its open sessions end at once.',
    newUser: 'New user',
    usernameHint: '1 to 32 letters, digits, dots, dashes or underscores',
    passwordHint: '12 to 128 characters',
    passwordAgain: 'Password again',
    create: 'Create',
    creating: 'Creating…',
    created: 'Created the user {name}.',
    badUsername: 'A username is 1 to 32 letters, digits, dots, dashes or underscores.',
    badPassword: 'A password is 12 to 128 characters.',
    passwordsDiffer: 'The two passwords differ.',
    usersList: 'Users',
    createdAt: 'Created',
    state: 'State',
    active: 'May sign in',
    disabledAt: 'Disabled ({at})',
    disable: 'Disable',
    confirmDisable:
      'Disable the user {name}? It will not sign in again, and its open sessions end. Its name cannot be used for a new user.',
    disabled: 'Disabled the user {name}.',
    noUsers: 'No users yet.',
    you: ' (you)',
  },
);

const { t } = usersWords;

interface User {
  readonly username: string;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

function problemOf(username: string, password: string, again: string): string | null {
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(username)) return t('badUsername');
  const length = [...password].length;
  if (length < 12 || length > 128) return t('badPassword');
  return password === again ? null : t('passwordsDiffer');
}

export function UsersPage() {
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (message: string): void => {
    setNotice(message);
    setVersion((n) => n + 1);
  };
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t('usersTitle')}</h1>
      <p class="muted">{t('usersIntro')}</p>
      <NewUserForm onCreated={(name) => done(t('created', { name }))} />
      {notice !== null && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <UserList version={version} onDisabled={(name) => done(t('disabled', { name }))} />
    </section>
  );
}

function NewUserForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    const wrong = problemOf(username.trim(), password, again);
    setProblem(wrong);
    if (wrong !== null) return;
    setBusy(true);
    apiPost<User>('/v1/dashboard-users', { username: username.trim(), password }).then(
      (user) => {
        setBusy(false);
        setUsername('');
        setPassword('');
        setAgain('');
        onCreated(user.username);
      },
      (error: unknown) => {
        setBusy(false);
        setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
      },
    );
  };
  const field = (id: string, label: string, hint: string | null, input: preact.JSX.Element) => (
    <div class="field">
      <label for={id}>
        {label}
        {hint !== null && <span class="sub"> {hint}</span>}
      </label>
      {input}
    </div>
  );
  return (
    <form class="filters user-form" onSubmit={submit} aria-labelledby="new-user-title">
      <h2 id="new-user-title">{t('newUser')}</h2>
      {field(
        'user-name',
        common('username'),
        t('usernameHint'),
        <input
          id="user-name"
          autoComplete="off"
          maxLength={32}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />,
      )}
      {field(
        'user-password',
        common('password'),
        t('passwordHint'),
        <input
          id="user-password"
          type="password"
          autoComplete="new-password"
          maxLength={128}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />,
      )}
      {field(
        'user-password-again',
        t('passwordAgain'),
        null,
        <input
          id="user-password-again"
          type="password"
          autoComplete="new-password"
          maxLength={128}
          value={again}
          onInput={(e) => setAgain(e.currentTarget.value)}
        />,
      )}
      <button type="submit" disabled={busy}>
        {busy ? t('creating') : t('create')}
      </button>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function UserList({ version, onDisabled }: { version: number; onDisabled: (name: string) => void }) {
  const who = useSignal(session);
  const [loaded, retry] = useLoad(() => apiGet<{ data: User[] }>('/v1/dashboard-users'), [version]);
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const ask = (name: string): void => {
    setPending(name);
    dialog.current?.showModal();
  };
  const disable = (): void => {
    dialog.current?.close();
    if (pending === null) return;
    apiPost<User>(`/v1/dashboard-users/${encodeURIComponent(pending)}/disable`, {}).then(
      (user) => onDisabled(user.username),
      (error: unknown) => setProblem(problemText(error instanceof Error ? error : new Error(String(error)))),
    );
  };
  return (
    <section aria-labelledby="users-list-title">
      <h2 id="users-list-title">{t('usersList')}</h2>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <Show loaded={loaded} retry={retry}>
        {({ data }) =>
          data.length === 0 ? (
            <p>{t('noUsers')}</p>
          ) : (
            <div class="table-wrap">
              <table class="users">
                <thead>
                  <tr>
                    <th scope="col">{common('username')}</th>
                    <th scope="col">{t('createdAt')}</th>
                    <th scope="col">{t('state')}</th>
                    <th scope="col">{common('actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((user) => (
                    <tr
                      key={user.username}
                      data-username={user.username}
                      data-disabled={user.disabledAt === null ? 'no' : 'yes'}
                    >
                      <th scope="row">
                        {user.username}
                        {who?.username === user.username ? t('you') : ''}
                      </th>
                      <td>{formatTime(user.createdAt)}</td>
                      <td>
                        {user.disabledAt === null
                          ? t('active')
                          : t('disabledAt', { at: formatTime(user.disabledAt) })}
                      </td>
                      <td>
                        {user.disabledAt === null && (
                          <button type="button" class="secondary" onClick={() => ask(user.username)}>
                            {t('disable')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
      <dialog ref={dialog} aria-labelledby="disable-title" aria-describedby="disable-question">
        <h2 id="disable-title">{common('confirmTitle')}</h2>
        <p id="disable-question">{pending === null ? '' : t('confirmDisable', { name: pending })}</p>
        <div class="buttons">
          <button type="button" onClick={disable}>
            {common('confirm')}
          </button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            {common('cancel')}
          </button>
        </div>
      </dialog>
    </section>
  );
}
