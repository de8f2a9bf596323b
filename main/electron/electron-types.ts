/**
 * The Electron main-process APIs this shell uses, declared locally.
 *
 * Why: `electron` is an optionalDependency whose installer downloads the
 * runtime binary; where that fails (CI without internet) the package and its
 * types are absent, yet `tsc` must pass. main.ts therefore loads Electron with
 * a dynamic import whose specifier TypeScript does not resolve, and types it
 * with these interfaces — a subset of Electron's own declarations
 * with the same names and signatures for the members used (unchanged in
 * Electron 45). If you use a new
 * Electron API in main.ts, add it here, copying Electron's signature.
 */

export interface WebFrameMain {
  readonly url: string;
  readonly parent: WebFrameMain | null;
}

export interface ElectronEvent {
  preventDefault(): void;
}

export interface IpcMainInvokeEvent extends ElectronEvent {
  readonly sender: WebContents;
  readonly senderFrame: WebFrameMain | null;
}

export interface HandlerDetails {
  url: string;
}

export interface WebContents {
  readonly id: number;
  readonly mainFrame: WebFrameMain;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  setWindowOpenHandler(handler: (details: HandlerDetails) => { action: 'deny' } | { action: 'allow' }): void;
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: ElectronEvent & { url?: string }, url?: string) => void): this;
  on(event: 'will-attach-webview', listener: (event: ElectronEvent) => void): this;
  on(event: 'render-process-gone', listener: (event: ElectronEvent, details: { reason: string; exitCode: number }) => void): this;
  on(event: 'devtools-opened', listener: () => void): this;
  closeDevTools(): void;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInWorker?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  navigateOnDragDrop?: boolean;
  spellcheck?: boolean;
  safeDialogs?: boolean;
  devTools?: boolean;
}

export interface BrowserWindowConstructorOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  backgroundColor?: string;
  webPreferences?: WebPreferences;
}

export interface BrowserWindow {
  readonly webContents: WebContents;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): this;
  on(event: 'closed', listener: () => void): this;
}

export interface BrowserWindowConstructor {
  new (options?: BrowserWindowConstructorOptions): BrowserWindow;
  getAllWindows(): BrowserWindow[];
}

export interface CustomScheme {
  scheme: string;
  privileges?: {
    standard?: boolean;
    secure?: boolean;
    supportFetchAPI?: boolean;
    corsEnabled?: boolean;
    codeCache?: boolean;
    stream?: boolean;
  };
}

export interface Protocol {
  registerSchemesAsPrivileged(schemes: CustomScheme[]): void;
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

export interface Session {
  setPermissionRequestHandler(
    handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null,
  ): void;
  setPermissionCheckHandler(
    handler: ((webContents: WebContents | null, permission: string, requestingOrigin: string, details: unknown) => boolean) | null,
  ): void;
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
}

export interface App {
  enableSandbox(): void;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<void>;
  quit(): void;
  exit(exitCode?: number): void;
  setPath(name: 'userData' | 'sessionData', path: string): void;
  getVersion(): string;
  readonly isPackaged: boolean;
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): this;
  on(event: 'before-quit', listener: (event: ElectronEvent) => void): this;
  on(event: 'web-contents-created', listener: (event: ElectronEvent, contents: WebContents) => void): this;
}

export interface IpcMain {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown): void;
}

export interface MenuItemConstructorOptions {
  role?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  submenu?: MenuItemConstructorOptions[];
}

export interface MenuInstance {
  readonly items: unknown[];
}

export interface MenuStatic {
  buildFromTemplate(template: MenuItemConstructorOptions[]): MenuInstance;
  setApplicationMenu(menu: MenuInstance | null): void;
}

export interface Dialog {
  showErrorBox(title: string, content: string): void;
}

/** What `import('electron')` provides in the main process (the members used). */
export interface ElectronMain {
  app: App;
  BrowserWindow: BrowserWindowConstructor;
  protocol: Protocol;
  session: { readonly defaultSession: Session };
  ipcMain: IpcMain;
  dialog: Dialog;
  Menu: MenuStatic;
}
