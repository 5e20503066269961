/**
 * Cornerstone's ZoomTool, anchored at the cursor for the mouse wheel too. In @cornerstonejs/tools
 * 5.14 the zoom anchor (the world point that must stay put) is taken on a mouse down only — for
 * volume viewports a Ctrl+wheel zoomed about wherever the last click was, so the image slid away
 * from the cursor (issue 11: "zoom anchored at the cursor"). Registered under ZoomTool's own name.
 */
import { ZoomTool, type Types } from '@cornerstonejs/tools';

export class CursorZoomTool extends ZoomTool {
  override mouseWheelCallback(evt: Types.EventTypes.MouseWheelEventType): void {
    const { element, points } = evt.detail;
    // The anchor as a mouse down at the wheel's position would set it.
    this.preMouseDownCallback({
      detail: { element, currentPoints: points },
    } as unknown as Types.EventTypes.InteractionEventType);
    super.mouseWheelCallback(evt);
  }
}
