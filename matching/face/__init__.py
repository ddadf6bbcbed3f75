"""Face detection, alignment and embedding with models that ship in registry packages."""

import cv2

# One thread for OpenCV's resizing and warping, as for the ONNX sessions (FacePipeline's `threads`): a request's
# face work runs on one core and the database work of the frame before it on the other. OpenCV's own pool, one
# thread a core by default, spins on the core the database needs: 70 ms of processor time more a pass of 7
# frames for the same speed of the bare pipeline (bench/ingest.py --watchlist 10000; README).
cv2.setNumThreads(1)
