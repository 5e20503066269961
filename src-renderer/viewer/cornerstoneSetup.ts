/**
 * Starts Cornerstone3D core and tools once per page (STYLE.md §8: one guarded init) and registers
 * the tools the review viewer uses.
 */
import { init as initCore, isCornerstoneInitialized } from '@cornerstonejs/core';
import {
  init as initTools,
  addTool,
  BidirectionalTool,
  BrushTool,
  CrosshairsTool,
  LengthTool,
  PanTool,
  StackScrollTool,
  WindowLevelTool,
} from '@cornerstonejs/tools';
import { CursorZoomTool } from './cursorZoom.ts';

let started: Promise<void> | null = null;

/** Initialises Cornerstone core and tools (idempotent). */
export function ensureCornerstone(): Promise<void> {
  started ??= (async () => {
    if (!isCornerstoneInitialized()) initCore();
    initTools();
    for (const tool of [
      WindowLevelTool,
      PanTool,
      CursorZoomTool, // ZoomTool's name; the wheel zooms about the cursor
      StackScrollTool,
      CrosshairsTool,
      BrushTool,
      LengthTool,
      BidirectionalTool,
    ]) {
      addTool(tool);
    }
  })();
  return started;
}
