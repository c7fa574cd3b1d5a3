import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SpellwireProvider } from 'spellwire/react';
import { App } from './App';
import { pageOptions } from './options';
import './style.css';

const page = pageOptions(location.search);

// StrictMode mounts every component twice in development: the provider still opens one socket.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SpellwireProvider options={page.options}>
      <App user={page.user} />
    </SpellwireProvider>
  </StrictMode>,
);
