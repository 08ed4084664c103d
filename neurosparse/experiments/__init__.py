"""Experiment pipelines behind the simulation scripts, energy recipes and notebooks.

Each module holds an experiment's models, training and measurement, and a ``main`` for its
command line; ``simulations/<name>.py`` is that command line, and ``neurosparse energy``
recipes import the module, so an installed package (a wheel, no checkout) can run them.
They need the ``snn`` extra (torch, snnTorch).

* :mod:`.delta_video`: delta (temporal) sparsity of a conv net on moving digits;
* :mod:`.ultralif_compare`: UltraLIF, UltraDLIF and surrogate LIF side by side;
* :mod:`.ultralif_on_core`: trained UltraLIF and surrogate networks run on the event core;
* :mod:`.nir_pipeline`: an snnTorch CNN exported to NIR, run on the event core and priced.
"""
