/**
 * The viewer's Cornerstone tool group: which tools it holds and how the mouse is bound to them.
 * The primary button follows the chosen tool; middle pans, right zooms and the wheel scrolls slices
 * whatever the primary tool. Pick and brush are not Cornerstone tools (pointerInput.ts handles
 * them), so with those the primary button is left unbound here.
 */
import {
  CrosshairsTool,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  Enums as ToolEnums,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import { MEASUREMENT_TOOLS, MEASUREMENT_TOOL_NAME } from './measurements.ts';
import type { PrimaryTool } from './viewerTypes.ts';

/** Makes the tool group `id` (replacing an old one) with every tool the viewer uses. */
export function createViewerToolGroup(id: string): ToolTypes.IToolGroup {
  ToolGroupManager.destroyToolGroup(id);
  const group = ToolGroupManager.createToolGroup(id);
  if (!group) throw new Error('Could not create the viewer tool group.');
  for (const t of [WindowLevelTool, PanTool, StackScrollTool]) group.addTool(t.toolName);
  // Zoom about the pointer (right drag, Ctrl+wheel), as OHIF and Slicer do.
  group.addTool(ZoomTool.toolName, { zoomToCenter: false });
  for (const t of MEASUREMENT_TOOLS) group.addTool(t.toolName);
  group.addTool(CrosshairsTool.toolName, {
    getReferenceLineColor: () => 'rgb(255, 255, 255)',
    getReferenceLineControllable: () => true,
    getReferenceLineDraggableRotatable: () => false,
    getReferenceLineSlabThicknessControlsOn: () => false,
  });
  return group;
}

/** Binds the primary button to `tool`; middle pans, right zooms, the wheel scrolls slices — always. */
export function bindPrimaryTool(group: ToolTypes.IToolGroup, tool: PrimaryTool): void {
  const { MouseBindings } = ToolEnums;
  for (const name of [WindowLevelTool, PanTool, ZoomTool, CrosshairsTool, ...MEASUREMENT_TOOLS].map(
    (t) => t.toolName,
  )) {
    group.setToolPassive(name);
  }
  const primaryName: Record<Exclude<PrimaryTool, 'pick' | 'brush'>, string> = {
    windowLevel: WindowLevelTool.toolName,
    pan: PanTool.toolName,
    zoom: ZoomTool.toolName,
    crosshairs: CrosshairsTool.toolName,
    length: MEASUREMENT_TOOL_NAME.length,
    bidirectional: MEASUREMENT_TOOL_NAME.bidirectional,
  };
  const bindings = (button: number) => ({ bindings: [{ mouseButton: button }] });
  const ctrlWheel = {
    mouseButton: MouseBindings.Wheel,
    modifierKey: ToolEnums.KeyboardBindings.Ctrl,
  };
  if (tool !== 'pick' && tool !== 'brush' && tool !== 'zoom') {
    group.setToolActive(primaryName[tool], bindings(MouseBindings.Primary));
  }
  if (tool !== 'pan') group.setToolActive(PanTool.toolName, bindings(MouseBindings.Auxiliary));
  group.setToolActive(ZoomTool.toolName, {
    bindings: [
      ...(tool === 'zoom' ? [{ mouseButton: MouseBindings.Primary }] : []),
      { mouseButton: MouseBindings.Secondary },
      ctrlWheel,
    ],
  });
  group.setToolActive(StackScrollTool.toolName, bindings(MouseBindings.Wheel));
}
