"""What each notebook needs from the graded exercises, as plain data.

NEEDS[notebook]: the exercises whose functions the notebook calls; it stops with
NotImplementedError until they are written, so a plan must make them due by the
notebook's week (course.plan.plan_problems checks it). PRECOMPUTED[notebook]: exercises
whose results the notebook shows from data recorded with the full project (course/data/)
until they are written, with a note saying so; once written, the same cell computes them
live (course.precomputed.live_or_recorded). The weekly simulation (python -m course
simulate) proves both lists: every notebook runs in the edition of its week.
"""

NEEDS = {
    "notebooks/01_setup_and_backend.ipynb": (23,),
    "notebooks/02_short_term_memory.ipynb": (),
    "notebooks/03_sigmoid_and_tanh.ipynb": (23,),
    "notebooks/04_forget_gate.ipynb": (1, 2, 3, 4, 23),
    "notebooks/05_input_gate_and_candidate.ipynb": (1, 2, 3, 4),
    "notebooks/06_cell_state.ipynb": (1, 2, 3, 4, 10),
    "notebooks/07_output_gate.ipynb": (1, 2, 3, 4),
    "notebooks/08_backward_through_a_cell.ipynb": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 23, 24),
    "notebooks/09_backprop_through_time.ipynb": (1, 2, 3, 4, 11, 12),
    "notebooks/10_convolution_im2col.ipynb": (13,),
    "notebooks/11_batchnorm_bottleneck_resnet50.ipynb": (13, 14, 15),
    "notebooks/12_training_the_captioner.ipynb": (12, 13, 14, 15, 16, 17, 18),
    "notebooks/13_inside_a_caption.ipynb": (),
    "notebooks/14_gpu_with_cupy.ipynb": (12,),
    "notebooks/15_gru.ipynb": (12, 19, 20),
    "notebooks/16_attention.ipynb": (12, 17, 18, 21, 22, 23, 24),
}

PRECOMPUTED = {
    "notebooks/02_short_term_memory.ipynb": (1, 2, 3, 4, 7, 11, 12),
    "notebooks/04_forget_gate.ipynb": (12,),
    "notebooks/06_cell_state.ipynb": (11, 12),
}
