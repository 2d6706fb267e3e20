package io.gemmafleet.worker.vision;

/**
 * One image ready for the vision tower: its normalised pixel values and a key naming their content.
 *
 * @param pixels {@code [3][size][size]} channel-major, normalised as Gemma 3's processor does
 * @param contentKey a digest of {@code pixels}: equal keys mean equal pixels, so equal soft tokens
 */
public record PreparedImage(float[] pixels, String contentKey) {}
