package io.gemmafleet.media;

/**
 * Pan-and-scan settings (Gemma3ImageProcessor's names and defaults).
 *
 * @param minCropSize pan_and_scan_min_crop_size: no crop may be narrower or shorter than this
 * @param maxCrops pan_and_scan_max_num_crops
 * @param minRatioToActivate pan_and_scan_min_ratio_to_activate: the long side over the short side must reach this
 */
public record PanAndScan(int minCropSize, int maxCrops, double minRatioToActivate) {

    public static final PanAndScan DEFAULTS = new PanAndScan(256, 4, 1.2);

    public PanAndScan {
        if (minCropSize <= 0 || maxCrops < 2 || !(minRatioToActivate >= 1.0)) {
            throw new IllegalArgumentException("pan-and-scan needs minCropSize > 0, maxCrops >= 2 and a ratio >= 1: "
                    + minCropSize + ", " + maxCrops + ", " + minRatioToActivate);
        }
    }
}
