PANELS = []
