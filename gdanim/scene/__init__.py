"""What a frame shows, worked out with numpy before anything is drawn: which states the
frames show (schedule), the loss over the parameter plane (surface) and each run's view
(views). The frames draw it, the renderer schedules it, the report describes it; this
package imports none of them, nor torch, matplotlib or jinja2.
"""
