/**
 * WebGPU in Node (onnxruntime-node's provider in infer, Dawn for tfjs in train) runs on Vulkan.
 * How to get a driver, for both packages' "not available" messages, and the software one that
 * Debian's chromium ships, which the tests use.
 */
export const CHROMIUM_LIBS = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${CHROMIUM_LIBS}/vk_swiftshader_icd.json`;

export const VULKAN_HOW_TO = `on an NVIDIA machine, apt-get install libvulkan1 libglvnd0 libglx0 libegl1 (the driver's Vulkan ICD needs them); without a GPU, use the software adapter of Debian's chromium: apt-get install chromium, then run with LD_LIBRARY_PATH=${CHROMIUM_LIBS} VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`;
