/**
 * The tumour labelmap overlay through Cornerstone's public segmentation verbs (STYLE.md §8): one
 * segmentation whose segment indices are the BraTS values (1 NCR, 2 ED, 4 ET), a colour LUT in the
 * SEG's display colours, per-label visibility, opacity and outline-only mode.
 */
import { segmentation, Enums as ToolEnums } from '@cornerstonejs/tools';
import type { Types } from '@cornerstonejs/core';
import { TUMOUR_LABELS } from '../lib/labelColours.ts';

const LABELMAP = ToolEnums.SegmentationRepresentations.Labelmap;

/** How the overlay is drawn. */
export interface OverlayStyle {
  /** Whole overlay on/off (O key). */
  readonly visible: boolean;
  /** Fill opacity 0..1 ([ and ] keys). */
  readonly opacity: number;
  /** Draw outlines only, no fill. */
  readonly outlineOnly: boolean;
  /** Visibility per label value (1, 2, 4). */
  readonly labels: Readonly<Record<number, boolean>>;
}

/** Outline width in screen pixels: thick enough to see on a 1 mm grid at fit-to-window zoom. */
const OUTLINE_WIDTH = 2;

let lutIndex: number | null = null;

/** The colour LUT: index = label value, RGBA 0–255; unused indices transparent. */
function colourLut(): Types.ColorLUT {
  const lut: Types.Color[] = [];
  const maxValue = Math.max(...TUMOUR_LABELS.map((l) => l.value));
  for (let v = 0; v <= maxValue; v++) {
    const label = TUMOUR_LABELS.find((l) => l.value === v);
    lut.push(label ? [label.rgb[0], label.rgb[1], label.rgb[2], 255] : [0, 0, 0, 0]);
  }
  return lut;
}

/** Registers the segmentation for a labelmap volume (once per segmentation id). */
export function addTumourSegmentation(segmentationId: string, labelmapVolumeId: string): void {
  if (segmentation.state.getSegmentation(segmentationId)) {
    segmentation.removeSegmentation(segmentationId);
  }
  segmentation.addSegmentations([
    {
      segmentationId,
      representation: { type: LABELMAP, data: { volumeId: labelmapVolumeId } },
      config: {
        label: 'Tumour regions',
        segments: Object.fromEntries(
          TUMOUR_LABELS.map((l) => [l.value, { label: l.name, segmentIndex: l.value }]),
        ),
      },
    },
  ]);
}

/** Shows the segmentation in the given viewports with the standard colours. */
export async function showSegmentation(
  segmentationId: string,
  viewportIds: readonly string[],
): Promise<void> {
  lutIndex ??= segmentation.config.color.addColorLUT(colourLut());
  const map: Record<string, { segmentationId: string; config: { colorLUTOrIndex: number } }[]> = {};
  for (const id of viewportIds)
    map[id] = [{ segmentationId, config: { colorLUTOrIndex: lutIndex } }];
  await segmentation.addLabelmapRepresentationToViewportMap(map);
}

/** Applies the overlay style to every viewport showing the segmentation. */
export function applyOverlayStyle(
  segmentationId: string,
  viewportIds: readonly string[],
  style: OverlayStyle,
): void {
  segmentation.segmentationStyle.setStyle(
    { type: LABELMAP, segmentationId },
    {
      renderFill: !style.outlineOnly,
      renderOutline: true,
      fillAlpha: style.opacity,
      outlineOpacity: 1,
      outlineWidth: OUTLINE_WIDTH,
      renderFillInactive: !style.outlineOnly,
      fillAlphaInactive: style.opacity,
      renderOutlineInactive: true,
      outlineOpacityInactive: 1,
      outlineWidthInactive: OUTLINE_WIDTH,
    },
  );
  for (const vp of viewportIds) {
    if (!segmentation.state.getSegmentationRepresentations(vp, { segmentationId }).length) continue;
    // Per-segment visibility decides what is drawn (setting a segment visible re-shows the whole
    // representation in Cornerstone), so "overlay off" hides every segment.
    for (const l of TUMOUR_LABELS) {
      segmentation.config.visibility.setSegmentIndexVisibility(
        vp,
        { segmentationId, type: LABELMAP },
        l.value,
        style.visible && (style.labels[l.value] ?? true),
      );
    }
  }
}

/** Tells Cornerstone the labelmap voxels changed (after an edit replaced them). */
export function labelmapChanged(segmentationId: string): void {
  segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId);
}

/** Removes the segmentation from the state (new study, new run). */
export function removeTumourSegmentation(segmentationId: string): void {
  if (segmentation.state.getSegmentation(segmentationId)) {
    segmentation.removeSegmentation(segmentationId);
  }
}
