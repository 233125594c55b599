"""The only room that imports matplotlib: styles, panels and frame sources.

Everything here draws on a Figure with an Agg canvas (never pyplot); what leaves this
package is numpy pixels, never matplotlib objects.
"""
