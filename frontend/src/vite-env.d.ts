/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's base URL when the web app is served from another origin (unset: same origin). */
  readonly VITE_API_BASE_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
