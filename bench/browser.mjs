// Chromium flags shared by the harness's scripts: those tests/chaos/chaos.mjs uses, which work
// as root on these machines (see /work/shared/TOOLCHAIN.md).
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
