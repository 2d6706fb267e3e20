package io.gemmafleet.media;

import java.util.ArrayList;
import java.util.List;

/**
 * Gemma 3's image pre-processing as transformers' {@code Gemma3ImageProcessor} does it: resize to image_size ×
 * image_size with PIL's BILINEAR, rescale by 1/255 (in double, then to float), normalise with mean 0.5 and std 0.5
 * (in float), channels first; and its optional pan-and-scan crops.
 */
public final class GemmaImageProcessor {

    /** Gemma 3's {@code <start_of_image>} marker, which the chat template expands into the image's soft tokens. */
    public static final String START_OF_IMAGE = "<start_of_image>";

    private static final double RESCALE = 1 / 255.0;
    private static final float MEAN = 0.5f;
    private static final float STD = 0.5f;

    private final int imageSize;

    /** @param imageSize the vision tower's input side: 896 for the released models */
    public GemmaImageProcessor(int imageSize) {
        if (imageSize <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + imageSize);
        }
        this.imageSize = imageSize;
    }

    public int imageSize() {
        return imageSize;
    }

    /** Resize + rescale + normalise one image (a whole image or one crop). */
    public PixelValues process(RgbImage image) {
        byte[] rgb = PilBilinear.resize(image, imageSize, imageSize).rgb();
        int plane = imageSize * imageSize;
        float[] chw = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                // transformers: image.astype(float64) * (1/255) -> astype(float32); then (x - mean) / std in float32
                float rescaled = (float) ((rgb[p * 3 + c] & 0xFF) * RESCALE);
                chw[c * plane + p] = (rescaled - MEAN) / STD;
            }
        }
        return new PixelValues(imageSize, chw);
    }

    /**
     * Gemma3ImageProcessor.pan_and_scan: crops of the full-resolution image along its long side when the aspect
     * ratio reaches {@code minRatioToActivate}; empty when not activated or when a crop would be smaller than
     * {@code minCropSize}. The processor sends the base image first, then these crops, each processed like an image.
     */
    public List<RgbImage> panAndScanCrops(RgbImage image, PanAndScan s) {
        int width = image.width();
        int height = image.height();
        int cropsW;
        int cropsH;
        if (width >= height) {
            if ((double) width / height < s.minRatioToActivate()) {
                return List.of();
            }
            cropsW = (int) Math.floor((double) width / height + 0.5);
            cropsW = Math.min((int) Math.floor((double) width / s.minCropSize()), cropsW);
            cropsW = Math.min(s.maxCrops(), Math.max(2, cropsW));
            cropsH = 1;
        } else {
            if ((double) height / width < s.minRatioToActivate()) {
                return List.of();
            }
            cropsH = (int) Math.floor((double) height / width + 0.5);
            cropsH = Math.min((int) Math.floor((double) height / s.minCropSize()), cropsH);
            cropsH = Math.min(s.maxCrops(), Math.max(2, cropsH));
            cropsW = 1;
        }
        int cropW = (int) Math.ceil((double) width / cropsW);
        int cropH = (int) Math.ceil((double) height / cropsH);
        if (Math.min(cropW, cropH) < s.minCropSize()) {
            return List.of();
        }
        List<RgbImage> crops = new ArrayList<>(cropsW * cropsH);
        for (int row = 0; row < cropsH; row++) {
            for (int col = 0; col < cropsW; col++) {
                crops.add(image.crop(col * cropW, row * cropH, cropW, cropH));
            }
        }
        return crops;
    }

    /**
     * The text Gemma3Processor puts in place of an image's {@code <start_of_image>} when the image has crops:
     * {@code "Here is the original image <start_of_image> and here are some crops to help you see better
     * <start_of_image> <start_of_image>"} (one marker per crop, joined by spaces). Each marker is then expanded like
     * any image's; the images follow in the order base, crop 1, crop 2, .... With no crops it is the bare marker.
     */
    public static String panAndScanPrompt(int crops) {
        if (crops < 0) {
            throw new IllegalArgumentException("crops must not be negative: " + crops);
        }
        if (crops == 0) {
            return START_OF_IMAGE;
        }
        return "Here is the original image " + START_OF_IMAGE + " and here are some crops to help you see better "
                + String.join(" ", java.util.Collections.nCopies(crops, START_OF_IMAGE));
    }
}
