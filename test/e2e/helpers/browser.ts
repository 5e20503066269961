/**
 * Launches Debian's Chromium headless for end-to-end tests. Cornerstone3D needs WebGL2, which
 * headless Chromium gets from SwiftShader (software GL) through ANGLE; the other flags keep it from
 * reaching the network.
 */
import { chromium, type Browser } from 'playwright-core';

/** Chromium as Debian installs it (apt package `chromium`). */
export const CHROMIUM = process.env.METAKD_CHROMIUM ?? '/usr/bin/chromium';

/** Flags: software WebGL2 (SwiftShader), no sandbox (containers), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
